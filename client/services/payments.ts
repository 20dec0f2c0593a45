/**
 * The payments function. `create` is the one call that may be retried after an unclear outcome
 * (a network error, a 503): it always sends an Idempotency-Key — the caller's, or a new one it
 * returns — and every retry sends the same key, so the server makes one payment and answers a
 * repeat with the first answer (`replayed`).
 */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import { paged } from "../paging.ts";
import type { components, paths } from "../types/payments.gen.ts";

type Schemas = components["schemas"];

export type Payment = Schemas["Payment"];
export type PaymentPage = Schemas["PaymentPage"];
export type PaymentCreate = Schemas["PaymentCreate"];
export type PaymentSummary = Schemas["PaymentSummary"];
export type PaymentApproveMany = Schemas["PaymentApproveMany"];
export type PaymentApproveManyResult = Schemas["PaymentApproveManyResult"];
export type PaymentPay = Schemas["PaymentPay"];
export type PaymentFail = Schemas["PaymentFail"];
export type PayrollRun = Schemas["PayrollRun"];
export type PayrollResult = Schemas["PayrollResult"];
export type JobAccepted = Schemas["JobAccepted"];
export type BankFile = Schemas["BankFile"];
export type BankFileDetail = Schemas["BankFileDetail"];
export type BankFileRequest = Schemas["BankFileRequest"];
export type PaymentFilters = QueryOf<Operation<paths, "/payments", "get">>;
export type PaymentSummaryFilters = QueryOf<Operation<paths, "/payments/summary", "get">>;

/** What `payments.create` resolves to. */
export interface CreatedPayment {
  payment: Payment;
  /** The key sent (the caller's or a generated one): keep it to retry this create later. */
  idempotencyKey: string;
  /** The server answered with the first response to this key (`idempotent-replayed`). */
  replayed: boolean;
}

/** The payments service over `route` (see client/index.ts). */
export function paymentsService(route: RouteBinder<paths>) {
  const create = route("post", "/payments");
  const list = route("get", "/payments");
  const get = route("get", "/payments/{id}");
  const payroll = route("post", "/payments/payroll");
  const approveMany = route("post", "/payments/approve");
  const approve = route("post", "/payments/{id}/approve");
  const cancel = route("post", "/payments/{id}/cancel");
  const pay = route("post", "/payments/{id}/pay");
  const fail = route("post", "/payments/{id}/fail");
  const summary = route("get", "/payments/summary");
  const exportCreate = route("post", "/payments/exports");
  const exportList = route("get", "/payments/exports");
  const exportGet = route("get", "/payments/exports/{id}");
  const exportFile = route("get", "/payments/exports/{id}/file");
  return {
    /**
     * Creates a payment (admin, finance), idempotently: without `idempotencyKey` one is made
     * with `crypto.randomUUID()`. Reusing a key with another body is 422
     * `idempotency_key_reused`.
     */
    create: async (
      body: PaymentCreate,
      options: { idempotencyKey?: string } = {},
    ): Promise<CreatedPayment> => {
      const idempotencyKey = options.idempotencyKey ?? crypto.randomUUID();
      const reply = await create({ body, header: { "idempotency-key": idempotencyKey } });
      return {
        payment: reply.data,
        idempotencyKey,
        replayed: reply.headers.get("idempotent-replayed") === "true",
      };
    },
    /** Payments the caller may see: `list` (a page), `pages()`, `listAll()`. */
    ...paged((filters: PaymentFilters | undefined, cursor) =>
      list({ query: { ...filters, cursor } }).then((r) => r.data)
    ),
    /** One payment. */
    getById: (id: string) => get({ path: { id } }).then((r) => r.data),
    /**
     * Runs payroll for a project and period: the result (200), or — for a large run — a job to
     * follow with `jobs.getById(job_id)` (202).
     */
    payroll: (body: PayrollRun) => payroll({ body }).then((r) => r.data),
    /** Approves many pending payments in one statement. */
    approveMany: (body: PaymentApproveMany) => approveMany({ body }).then((r) => r.data),
    /** Approves a pending payment. */
    approve: (id: string) => approve({ path: { id } }).then((r) => r.data),
    /** Cancels a pending or approved payment. */
    cancel: (id: string) => cancel({ path: { id } }).then((r) => r.data),
    /** Marks an approved payment paid. */
    pay: (id: string, body: PaymentPay) => pay({ path: { id }, body }).then((r) => r.data),
    /** Marks an approved payment failed. */
    fail: (id: string, body: PaymentFail) => fail({ path: { id }, body }).then((r) => r.data),
    /** Monthly totals per status. */
    summary: (filters?: PaymentSummaryFilters) => summary({ query: filters }).then((r) => r.data),
    /** Bank payment files. */
    exports: {
      /** Queues the bank payment file of a period; follow the job with `jobs.getById`. */
      create: (body: BankFileRequest) => exportCreate({ body }).then((r) => r.data),
      /** Bank payment files, newest first. */
      list: () => exportList({}).then((r) => r.data),
      /** One file and its payments. */
      getById: (id: string) => exportGet({ path: { id } }).then((r) => r.data),
      /** The file itself (CSV text). */
      file: (id: string) => exportFile({ path: { id } }).then((r) => r.data),
    },
  };
}

/** What `crew.payments` offers. */
export type PaymentsService = ReturnType<typeof paymentsService>;
