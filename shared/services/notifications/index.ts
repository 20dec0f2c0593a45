/**
 * Telling the crew: the `notify` queue's handler. Jobs are enqueued by database triggers in
 * the same transaction as the write (a payment marked paid, a claim approved or rejected), and
 * carry ids only; the handler reads what the message may say — first name, amount, project,
 * date — and never an IC number, bank name or account number.
 */
import { z } from "zod";
import { asServiceRole } from "../../db/index.ts";
import { defineQueue, type JobRun } from "../../jobs/index.ts";
import { IsoDate, Uuid } from "../../schemas.ts";
import { type Message, provider } from "./providers.ts";

interface Recipient {
  candidate_id: string;
  full_name: string;
  email: string | null;
  phone: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * A notify job's payload, as the triggers build it (queue.tg_notify_payment_paid and
 * queue.tg_notify_claim_decided): ids, a date and the decision. Another kind is a dead letter.
 */
const NotifyPayload = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("payment_paid"),
    payment_id: Uuid,
    payment_date: IsoDate,
    candidate_id: Uuid,
  }),
  z.object({
    kind: z.literal("claim_decided"),
    claim_id: Uuid,
    candidate_id: Uuid,
    decision: z.enum(["approved", "rejected"]),
  }),
], {
  error: (issue) =>
    issue.code === "invalid_union" && isRecord(issue.input)
      ? `unknown notification kind ${JSON.stringify(String(issue.input.kind))}`
      : undefined,
});
type Event = z.output<typeof NotifyPayload>;

const firstName = (full: string) => full.trim().split(/\s+/)[0] ?? "";

/** Subject and text of an event's message (pure: tests check what it may and may not say). */
export function compose(
  event: Event,
  who: Pick<Recipient, "full_name">,
  facts: { amount: string; project: string; day: string },
): { subject: string; text: string } {
  const hi = `Hi ${firstName(who.full_name)},`;
  if (event.kind === "payment_paid") {
    return {
      subject: `Payment of RM ${facts.amount} paid`,
      text: `${hi} your payment of RM ${facts.amount} for ${facts.project} was paid on ` +
        `${facts.day}.`,
    };
  }
  const approved = event.decision === "approved";
  return {
    subject: `Expense claim ${approved ? "approved" : "rejected"}`,
    text: `${hi} your expense claim of RM ${facts.amount} for ${facts.project} was ` +
      `${approved ? "approved" : "rejected"} on ${facts.day}.`,
  };
}

/** The facts of an event, read on the service path; null when its row is gone. */
async function factsOf(event: Event) {
  return await asServiceRole("notification facts", async (tx) => {
    const [row] = event.kind === "payment_paid"
      ? await tx<{ amount: string; project: string; day: string }[]>`
          select p.amount::text as amount, pr.title as project,
                 to_char(coalesce(p.paid_at, now()) at time zone 'Asia/Kuala_Lumpur',
                         'YYYY-MM-DD') as day
            from public.payments p join public.projects pr on pr.id = p.project_id
           where p.id = ${event.payment_id}::uuid and p.payment_date = ${event.payment_date}::date`
      : await tx<{ amount: string; project: string; day: string }[]>`
          select c.amount::text as amount, pr.title as project,
                 to_char(coalesce(c.decided_at, now()) at time zone 'Asia/Kuala_Lumpur',
                         'YYYY-MM-DD') as day
            from public.expense_claims c join public.projects pr on pr.id = c.project_id
           where c.id = ${event.claim_id}::uuid`;
    const [who] = await tx<Recipient[]>`
      select id as candidate_id, full_name, email, phone from public.candidates
       where id = ${event.candidate_id}::uuid`;
    return row && who ? { facts: row, who } : null;
  });
}

/** The `notify` queue's handler. */
async function notifyJob(job: JobRun<Event>): Promise<Record<string, unknown>> {
  const event = job.payload;
  const found = await factsOf(event);
  // Retried (a replica may lag, a row may be mid-import); a dead letter if it never appears.
  if (!found) throw new Error(`the ${event.kind} notification's rows were not found`);
  const { who, facts } = found;
  const to = who.email ?? who.phone;
  if (!to) return { sent: false, reason: "no email or phone on file" };
  const key = event.kind === "payment_paid"
    ? `payment_paid:${event.payment_id}`
    : `claim_decided:${event.claim_id}`;
  const message: Message = {
    key,
    channel: who.email ? "email" : "sms",
    to,
    candidateId: who.candidate_id,
    jobId: job.id,
    ...compose(event, who, facts),
  };
  await provider()(message);
  return { sent: true, channel: message.channel, key };
}

/** The `notify` queue (registered in functions/jobs/queues.ts); the triggers send to it. */
export const notifyQueue = defineQueue({
  name: "notify",
  payload: NotifyPayload,
  handler: notifyJob,
});
