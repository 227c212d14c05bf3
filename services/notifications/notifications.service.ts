import type { ServiceDeps } from "../lib/types";
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Context, Service, ServiceSchema } from "moleculer";
import { backoffDelay } from "../lib/backoff";
import { IDEMPOTENT } from "../lib/fault-tolerance";
import type { Collection } from "../lib/collection";
import type { Config } from "../lib/config";
import { apiError } from "../lib/errors";
import { outboxMailer, safeErrorMessage, smtpMailer, type Mailer } from "../lib/mailer";
import { renderEmail } from "../lib/templates";
import { type AppMeta, type EmailRequest, type InAppRequest, type Page } from "../lib/types";
import { EMAIL_TEMPLATES, LINK_KINDS, type EmailTemplate, type LinkKind } from "../lib/enums";
import { dbMixin, type DbMixinMethods } from "../mixins/db.mixin";
import { metricsMixin, type MetricsMixinMethods } from "../mixins/metrics.mixin";
import { DeliveryModel, NotificationModel } from "../models";

export interface NotificationRecord {
	_id: string;
	userId: string;
	type: string;
	title: string;
	body: string;
	createdAt: Date;
	readAt: Date | null;
}

export interface DeliveryRecord {
	_id: string;
	to: string;
	template: EmailTemplate;
	data: Record<string, string> | null;
	userId: string | null;
	link: LinkKind | null;
	/** `cancelled`: the one-time link it was to carry is no longer wanted (e.g. already verified). */
	status: "pending" | "sent" | "failed" | "cancelled";
	attempts: number;
	nextAttemptAt: Date;
	lockedUntil: Date | null;
	lastError: string | null;
	createdAt: Date;
	sentAt: Date | null;
}

export interface NotificationView {
	id: string;
	type: string;
	title: string;
	body: string;
	createdAt: string;
	read: boolean;
}

/** Give up on an e-mail after this many attempts (about a day of backoff). */
const MAX_ATTEMPTS = 12;
/** How long a node owns a delivery it is sending, so that replicas never send one twice. */
const CLAIM_MS = 60_000;
const POLL_MS = 2_000;

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

type NotificationsThis = Service &
	DbMixinMethods &
	MetricsMixinMethods & {
		notifications: Collection<NotificationRecord>;
		deliveries: Collection<DeliveryRecord>;
		mailer: Mailer;
		timer?: NodeJS.Timeout;
		draining?: Promise<void>;
		stopping: boolean;
		drain(): Promise<void>;
		kick(): void;
		deliver(delivery: DeliveryRecord): Promise<void>;
	};

export interface DeliveryView {
	id: string;
	to: string;
	template: EmailTemplate;
	status: DeliveryRecord["status"];
	attempts: number;
	lastError: string | null;
	createdAt: string;
}

function toDeliveryView(d: DeliveryRecord): DeliveryView {
	return { id: d._id, to: d.to, template: d.template, status: d.status, attempts: d.attempts, lastError: d.lastError, createdAt: new Date(d.createdAt).toISOString() };
}

function toView(n: NotificationRecord): NotificationView {
	return { id: n._id, type: n.type, title: n.title, body: n.body, createdAt: new Date(n.createdAt).toISOString(), read: n.readAt !== null };
}


export default function notificationsService(config: Config, _deps: ServiceDeps): ServiceSchema {
	const schema: ServiceSchema<object, Record<string, never>, object, NotificationsThis> = {
		name: "notifications",
		mixins: [dbMixin(config), metricsMixin(["emails"])],

		actions: {
			list: {
				...IDEMPOTENT,
				auth: "required",
				summary: "The signed-in user's in-app notifications, newest first",
				params: {
					page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, default: 1 },
					pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 }
				},
				async handler(this: NotificationsThis, ctx: Ctx<{ page: number; pageSize: number }>): Promise<Page<NotificationView> & { unread: number }> {
					const { page, pageSize } = ctx.params;
					const userId = ctx.meta.user!.id;
					const [rows, total, unread] = await Promise.all([
						this.notifications.find({ userId }, { sort: ["-createdAt", "-_id"], limit: pageSize, offset: (page - 1) * pageSize }),
						this.notifications.count({ userId }),
						this.notifications.count({ userId, readAt: null })
					]);
					return { rows: rows.map(toView), total, page, pageSize, totalPages: Math.ceil(total / pageSize), unread };
				}
			},

			markRead: {
				auth: "required",
				summary: "Mark one notification as read",
				params: { id: { type: "string", min: 1, max: 100 } },
				async handler(this: NotificationsThis, ctx: Ctx<{ id: string }>): Promise<null> {
					const mine = await this.notifications.findOne({ _id: ctx.params.id, userId: ctx.meta.user!.id });
					if (!mine) throw apiError("NOT_FOUND", "Notification not found");
					if (!mine.readAt) await this.notifications.updateMany({ _id: mine._id, readAt: null }, { $set: { readAt: new Date() } });
					return null;
				}
			},

			markAllRead: {
				auth: "required",
				summary: "Mark every notification as read",
				async handler(this: NotificationsThis, ctx: Ctx): Promise<null> {
					await this.notifications.updateMany({ userId: ctx.meta.user!.id, readAt: null }, { $set: { readAt: new Date() } });
					return null;
				}
			},

			// --- Internal ---
			/** Queues an e-mail: recorded first, sent behind, retried with backoff. Never waits for SMTP. */
			send: {
				visibility: "public",
				params: {
					to: { type: "email" },
					template: { type: "enum", values: [...EMAIL_TEMPLATES] },
					data: { type: "record", key: { type: "string" }, value: { type: "string" } },
					userId: { type: "string", optional: true },
					link: { type: "enum", values: [...LINK_KINDS], optional: true }
				},
				async handler(this: NotificationsThis, ctx: Context<EmailRequest>): Promise<{ id: string }> {
					const now = new Date();
					const delivery = await this.deliveries.insert({
						_id: randomUUID(),
						to: ctx.params.to,
						template: ctx.params.template,
						data: ctx.params.data,
						userId: ctx.params.userId ?? null,
						link: ctx.params.userId ? (ctx.params.link ?? null) : null,
						status: "pending",
						attempts: 0,
						nextAttemptAt: now,
						lockedUntil: null,
						lastError: null,
						createdAt: now,
						sentAt: null
					});
					this.kick();
					return { id: delivery._id };
				}
			},

			notify: {
				visibility: "public",
				params: { userId: { type: "string" }, type: { type: "string", max: 64 }, title: { type: "string", max: 200 }, body: { type: "string", max: 2000 } },
				async handler(this: NotificationsThis, ctx: Context<InAppRequest>): Promise<{ id: string }> {
					const n = await this.notifications.insert({ _id: randomUUID(), ...ctx.params, createdAt: new Date(), readAt: null });
					return { id: n._id };
				}
			},

			/** Operators: e-mails that gave up, newest first (never their template data). */
			failedDeliveries: {
				...IDEMPOTENT,
				visibility: "public",
				params: { limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, default: 50 } },
				async handler(this: NotificationsThis, ctx: Context<{ limit: number }>): Promise<DeliveryView[]> {
					const rows = await this.deliveries.find({ status: "failed" }, { sort: ["-createdAt"], limit: ctx.params.limit });
					return rows.map(toDeliveryView);
				}
			},

			/** Operators: send failed e-mails again (one by id, or all), with a fresh set of attempts. */
			retryDeliveries: {
				visibility: "public",
				params: { id: { type: "string", optional: true } },
				async handler(this: NotificationsThis, ctx: Context<{ id?: string }>): Promise<{ retried: number }> {
					const filter = ctx.params.id ? { _id: ctx.params.id, status: "failed" } : { status: "failed" };
					const retried = await this.deliveries.updateMany(filter, {
						$set: { status: "pending", attempts: 0, nextAttemptAt: new Date(), lockedUntil: null }
					});
					if (retried > 0) this.kick();
					return { retried };
				}
			},

			/** An account was deleted: its notices go, and a last e-mail says so. */
			purgeUser: {
				visibility: "public",
				params: { userId: { type: "string" }, email: { type: "email" }, displayName: { type: "string", optional: true } },
				async handler(this: NotificationsThis, ctx: Context<{ userId: string; email: string; displayName?: string }>): Promise<void> {
					await this.notifications.removeMany({ userId: ctx.params.userId });
					await ctx.call("notifications.send", { to: ctx.params.email, template: "account-deleted", data: { displayName: ctx.params.displayName ?? "" } });
				}
			}
		},

		events: {
			"user.deleted": {
				params: { userId: { type: "string" } },
				async handler(this: NotificationsThis, ctx: Context<{ userId: string }>) {
					await this.notifications.removeMany({ userId: ctx.params.userId });
				}
			}
		},

		methods: {
			/** Starts a pass over due deliveries unless one is already running. */
			kick(this: NotificationsThis): void {
				if (this.stopping || this.draining) return;
				this.draining = this.drain()
					.catch(err => this.logger.error("E-mail delivery pass failed:", safeErrorMessage(err)))
					.finally(() => {
						this.draining = undefined;
					});
			},

			async drain(this: NotificationsThis): Promise<void> {
				for (;;) {
					if (this.stopping) return;
					const now = new Date();
					const due = await this.deliveries.find(
						{ status: "pending", nextAttemptAt: { $lte: now }, $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }] },
						{ sort: ["nextAttemptAt"], limit: 20 }
					);
					if (due.length === 0) return;
					for (const delivery of due) {
						// Claim it: with several replicas, only the one whose update matched sends it.
						const claimed = await this.deliveries.updateMany(
							{ _id: delivery._id, status: "pending", lockedUntil: delivery.lockedUntil },
							{ $set: { lockedUntil: new Date(Date.now() + CLAIM_MS) } }
						);
						if (claimed === 1) await this.deliver(delivery);
					}
				}
			},

			async deliver(this: NotificationsThis, delivery: DeliveryRecord): Promise<void> {
				const attempts = delivery.attempts + 1;
				try {
					const data = { ...(delivery.data ?? {}) };
					if (delivery.link && delivery.userId) {
						const token = await this.broker.call<string | null, object>("auth.issueLinkToken", { kind: delivery.link, userId: delivery.userId });
						if (token === null) {
							await this.deliveries.updateById(delivery._id, { $set: { status: "cancelled", data: null, lockedUntil: null } });
							this.countMetric("emails", { template: delivery.template, result: "cancelled" });
							return;
						}
						data.token = token;
					}
					const rendered = renderEmail(delivery.template, { appUrl: config.appUrl, data });
					const where = await this.mailer.send({ from: config.mailFrom, to: delivery.to, ...rendered });
					await this.deliveries.updateById(delivery._id, { $set: { status: "sent", attempts, sentAt: new Date(), data: null, lockedUntil: null, lastError: null } });
					this.countMetric("emails", { template: delivery.template, result: "sent" });
					this.logger.info(`E-mail '${delivery.template}' to ${delivery.to} sent to ${where}.`);
				} catch (err) {
					const lastError = safeErrorMessage(err);
					const failed = attempts >= MAX_ATTEMPTS;
					await this.deliveries.updateById(delivery._id, {
						$set: {
							status: failed ? "failed" : "pending",
							attempts,
							lastError,
							lockedUntil: null,
							nextAttemptAt: new Date(Date.now() + backoffDelay(attempts))
						}
					});
					this.countMetric("emails", { template: delivery.template, result: failed ? "failed" : "retry" });
					this.logger.warn(`E-mail '${delivery.template}' to ${delivery.to}: attempt ${attempts} failed (${lastError})${failed ? "; giving up" : "; will retry"}.`);
				}
			}
		},

		created(this: NotificationsThis) {
			this.notifications = this.collection<NotificationRecord>(NotificationModel);
			this.deliveries = this.collection<DeliveryRecord>(DeliveryModel);
			this.mailer = config.smtpUrl ? smtpMailer(config.smtpUrl) : outboxMailer(path.join(config.dataDir, "outbox"));
			this.stopping = false;
		},

		started(this: NotificationsThis) {
			// Deliveries left pending by a restart, and retries that come due, are picked up here.
			this.timer = setInterval(() => this.kick(), POLL_MS);
			this.timer.unref();
			this.kick();
		},

		async stopped(this: NotificationsThis) {
			this.stopping = true;
			if (this.timer) clearInterval(this.timer);
			await this.draining;
			this.mailer.close();
		}
	};
	return schema as unknown as ServiceSchema;
}
