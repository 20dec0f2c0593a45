/** The bank-file writer never emits a cell a spreadsheet would run as a formula. */
import assert from "node:assert/strict";
import { bankFileCsv, type BankLine } from "../../shared/services/payments/bank-csv.ts";

const header = {
  file_id: "f",
  created_at: "2026-12-01T00:00:00Z",
  period_start: "2026-11-01",
  period_end: "2026-11-30",
  total_amount: "10.00",
};
const line = (over: Partial<BankLine>): BankLine => ({
  line_no: 1,
  payment_id: "p",
  account_holder: "Ali",
  bank_name: "Maybank",
  account_number: "5550001111",
  amount: "10.00",
  payment_date: "2026-11-30",
  ...over,
});

Deno.test("bank csv: a holder or bank name starting like a formula is refused", async () => {
  for (const bad of ["=1+1", "+1", "-1", "@x", "\tx", "\rx"]) {
    await assert.rejects(bankFileCsv(header, [line({ account_holder: bad })]), /formula/);
    await assert.rejects(bankFileCsv(header, [line({ bank_name: bad })]), /formula/);
  }
  const { text } = await bankFileCsv(header, [line({ account_holder: "Ali, bin Abu" })]);
  assert.match(text, /"Ali, bin Abu"/);
});
