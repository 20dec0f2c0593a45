/** The payments service: what the payments function's routes call. */
export {
  dateWindow,
  getPayment,
  listPayments,
  type ListQuery,
  monthlySummary,
  type PaymentPage,
  type PaymentSummary,
} from "./read.ts";
export { approveMany, type ApproveManyResult, changeStatus, createPayment } from "./write.ts";
export { type PayrollResult, runPayroll } from "./payroll.ts";
export { type PayrollOutcome, requestPayroll } from "./payroll-job.ts";
export { bankFileContent, getBankFile, listBankFiles, requestBankFile } from "./bank-file.ts";
export type { StoredResponse } from "./idempotency.ts";
export {
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  type PaymentAction,
  type PaymentCreateInput,
  type PaymentJson,
  type PaymentMethod,
  type PaymentStatus,
  type PayrollInput,
} from "./types.ts";
