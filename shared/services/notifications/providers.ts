/**
 * Where notifications go, chosen by `NOTIFY_PROVIDER`:
 * - `record` (default, the local stack): rows in `private.notifications_sent`, which tests read;
 * - `webhook`: a JSON POST to `NOTIFY_WEBHOOK_URL` (an email/SMS provider's HTTP API or a relay)
 *   with `Authorization: Bearer NOTIFY_WEBHOOK_TOKEN` and `Idempotency-Key: <message key>`.
 * Delivery is at least once (a job can run twice); the message key lets a provider drop the
 * repeat, and the recording sink keeps one row per key.
 */
import { config } from "../../config.ts";
import { asServiceRole } from "../../db/index.ts";
import { Permanent } from "../../jobs/index.ts";

export interface Message {
  /** Stable per event (e.g. `payment_paid:<id>`): the same event is the same message. */
  key: string;
  channel: "email" | "sms";
  to: string;
  candidateId: string;
  subject: string;
  text: string;
  jobId: string;
}

export type Provider = (message: Message) => Promise<void>;

const record: Provider = async (m) => {
  await asServiceRole("notification record", (tx) =>
    tx`
    insert into private.notifications_sent
      (message_key, channel, recipient, candidate_id, subject, body, job_id)
    values (${m.key}, ${m.channel}, ${m.to}, ${m.candidateId}::uuid, ${m.subject}, ${m.text},
            ${m.jobId}::uuid)
    on conflict (message_key) do nothing`);
};

/** A JSON POST per message to an email/SMS provider's HTTP API (or a relay in front of one). */
export function webhook(url: URL, token?: string): Provider {
  return async (m) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": m.key,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        key: m.key,
        channel: m.channel,
        to: m.to,
        subject: m.subject,
        text: m.text,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    if (response.ok) return;
    const message = `notification provider answered ${response.status}`;
    // A refusal of the message itself will not change on retry; overload and outages may.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw retryable ? new Error(message) : new Permanent(message);
  };
}

/** The configured provider. */
export function provider(): Provider {
  const notify = config.jobs.notify;
  return notify.provider === "webhook" ? webhook(notify.webhookUrl!, notify.webhookToken) : record;
}
