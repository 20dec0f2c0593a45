/**
 * The bank bulk-payment file format (docs/jobs.md): RFC 4180 CSV, CRLF line ends, UTF-8.
 *
 *   H,crew-backend,<file id>,<created at, ISO UTC>,<period start>,<period end>
 *   D,<line no>,<payment id>,<account holder>,<bank name>,<account number>,<amount>,<payment date>
 *   ... one D line per payment, in line order
 *   T,<count>,<total amount>,<checksum>
 *
 * Amounts are the database's numeric text (two decimals), never through a float; the total is
 * summed by Postgres. The checksum is the SHA-256 (hex) of the D lines joined by CRLF, so a bank
 * or a reviewer can confirm that no line was changed, dropped or added.
 */
import { sha256Hex } from "../../hash.ts";
import { FORMULA_START } from "../../schemas.ts";

export interface BankLine {
  line_no: number;
  payment_id: string;
  account_holder: string;
  bank_name: string;
  account_number: string;
  amount: string;
  payment_date: string;
}

export interface BankFileHeader {
  file_id: string;
  created_at: string;
  period_start: string;
  period_end: string;
  total_amount: string;
}

/** One field: quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const row = (fields: (string | number)[]) => fields.map(csvField).join(",");

/** The file's text and its checksum; the same lines always give the same bytes. */
export async function bankFileCsv(
  header: BankFileHeader,
  lines: BankLine[],
): Promise<{ text: string; checksum: string }> {
  for (const l of lines) {
    // Defence in depth: input and the database refuse these; a file never carries one.
    for (const field of ["account_holder", "bank_name"] as const) {
      if (FORMULA_START.test(l[field])) {
        throw new Error(`bank file line ${l.line_no}: ${field} starts like a spreadsheet formula`);
      }
    }
  }
  const details = lines.map((l) =>
    row([
      "D",
      l.line_no,
      l.payment_id,
      l.account_holder,
      l.bank_name,
      l.account_number,
      l.amount,
      l.payment_date,
    ])
  );
  const checksum = await sha256Hex(details.join("\r\n"));
  const text = [
    row([
      "H",
      "crew-backend",
      header.file_id,
      header.created_at,
      header.period_start,
      header.period_end,
    ]),
    ...details,
    row(["T", lines.length, header.total_amount, checksum]),
  ].join("\r\n") + "\r\n";
  return { text, checksum };
}
