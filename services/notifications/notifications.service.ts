/**
 * The notifications service: in-app notices (inbox.ts) and the e-mail queue (deliveries.ts). Declarative:
 * parameter rules, access rules, and one call per handler.
 */
import path from "node:path";
import type { Context, Service, ServiceSchema } from "moleculer";
import type { Collection } from "../../lib/collection";
import type { Config } from "../../lib/config";
import { EMAIL_TEMPLATES, LINK_KINDS } from "../../lib/enums";
import { IDEMPOTENT } from "../../lib/fault-tolerance";
import { ID_PARAM, PAGING_PARAMS } from "../../lib/params";
import type { AppMeta, EmailRequest, InAppRequest, Page, ServiceDeps } from "../../lib/types";
import { dbMixin, type DbMixinMethods } from "../../mixins/db.mixin";
import { metricsMixin, type MetricsMixinMethods } from "../../mixins/metrics.mixin";
import { DeliveryModel, NotificationModel } from "../../models";
import { DeliveryQueue } from "./deliveries";
import { Inbox, type NotificationView } from "./inbox";
import { outboxMailer, smtpMailer, type Mailer } from "./mailer";
import type { DeliveryRecord, DeliveryView, NotificationRecord } from "./ports";
import { collectionDeliveryStore, collectionInboxStore } from "./stores";

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

/** What makes a hand-over repeat-safe: the sender's id for the message (auth's outbox id). */
type Keyed = { key?: string };
const IDEMPOTENCY_KEY_PARAM = { type: "string", min: 1, max: 64, optional: true } as const;

type NotificationsThis = Service &
	DbMixinMethods &
	MetricsMixinMethods & {
		inbox: Inbox;
		/** The deliveries collection itself: the queue's store (integration tests read it). */
		deliveries: Collection<DeliveryRecord>;
		queue: DeliveryQueue;
		mailer: Mailer;
	};

export default function notificationsService(config: Config, deps: ServiceDeps): ServiceSchema {
	const schema: ServiceSchema<object, Record<string, never>, object, NotificationsThis> = {
		name: "notifications",
		mixins: [dbMixin(config), metricsMixin(["emails"])],

		actions: {
			list: {
				...IDEMPOTENT,
				auth: "required",
				summary: "The signed-in user's in-app notifications, newest first: all, or only the unread (unread=true) or read (unread=false) ones",
				params: { ...PAGING_PARAMS, unread: { type: "boolean", convert: true, optional: true }, $$strict: true },
				handler(this: NotificationsThis, ctx: Ctx<{ page: number; pageSize: number; unread?: boolean }>): Promise<Page<NotificationView> & { unread: number }> {
					const { page, pageSize, unread } = ctx.params;
					return this.inbox.list(ctx.meta.user!.id, page, pageSize, unread === undefined ? "all" : unread ? "unread" : "read");
				}
			},

			markRead: {
				auth: "required",
				summary: "Mark one notification as read",
				params: { id: ID_PARAM },
				async handler(this: NotificationsThis, ctx: Ctx<{ id: string }>): Promise<null> {
					await this.inbox.markRead(ctx.meta.user!.id, ctx.params.id);
					return null;
				}
			},

			markAllRead: {
				auth: "required",
				summary: "Mark every notification as read",
				async handler(this: NotificationsThis, ctx: Ctx): Promise<null> {
					await this.inbox.markAllRead(ctx.meta.user!.id);
					return null;
				}
			},

			// --- Internal ---
			/**
			 * Queues an e-mail: recorded first, sent behind, retried with backoff. Never waits for SMTP. `key`
			 * (auth's outbox id) makes it repeat-safe: the same key again is not queued twice.
			 */
			send: {
				visibility: "public",
				params: {
					to: { type: "email" },
					template: { type: "enum", values: [...EMAIL_TEMPLATES] },
					data: { type: "record", key: { type: "string" }, value: { type: "string" } },
					userId: { type: "string", optional: true },
					link: { type: "enum", values: [...LINK_KINDS], optional: true },
					key: IDEMPOTENCY_KEY_PARAM
				},
				handler(this: NotificationsThis, ctx: Context<EmailRequest & Keyed>): Promise<{ id: string }> {
					return this.queue.enqueue(ctx.params, ctx.params.key);
				}
			},

			notify: {
				visibility: "public",
				params: { userId: { type: "string" }, type: { type: "string", max: 64 }, title: { type: "string", max: 200 }, body: { type: "string", max: 2000 }, key: IDEMPOTENCY_KEY_PARAM },
				handler(this: NotificationsThis, ctx: Context<InAppRequest & Keyed>): Promise<{ id: string }> {
					return this.inbox.add(ctx.params, ctx.params.key);
				}
			},

			/** Admins and operators: e-mails that gave up, newest first (never their template data). */
			failedDeliveries: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "E-mails that gave up after their attempts, newest first (admin)",
				params: { status: { type: "enum", values: ["failed"], default: "failed" }, ...PAGING_PARAMS, $$strict: true },
				handler(this: NotificationsThis, ctx: Context<{ page: number; pageSize: number }>): Promise<Page<DeliveryView>> {
					return this.queue.failed(ctx.params.page, ctx.params.pageSize);
				}
			},

			/** Admins and operators: send failed e-mails again (one by id, or all), with a fresh set of attempts. */
			retryDeliveries: {
				roles: ["admin"],
				summary: "Send failed e-mails again, one by id or all, with a fresh set of attempts (admin)",
				params: { id: { ...ID_PARAM, optional: true }, $$strict: true },
				handler(this: NotificationsThis, ctx: Context<{ id?: string }>): Promise<{ retried: number }> {
					return this.queue.retry(ctx.params.id);
				}
			},

			/** An account was deleted: its notices go, and a last e-mail says so. */
			purgeUser: {
				visibility: "public",
				params: { userId: { type: "string" }, email: { type: "email" }, displayName: { type: "string", optional: true } },
				async handler(this: NotificationsThis, ctx: Context<{ userId: string; email: string; displayName?: string }>): Promise<void> {
					await this.inbox.removeAll(ctx.params.userId);
					await this.queue.enqueue({ to: ctx.params.email, template: "account-deleted", data: { displayName: ctx.params.displayName ?? "" } });
				}
			}
		},

		events: {
			"user.deleted": {
				params: { userId: { type: "string" } },
				handler(this: NotificationsThis, ctx: Context<{ userId: string }>): Promise<void> {
					return this.inbox.removeAll(ctx.params.userId);
				}
			}
		},

		created(this: NotificationsThis) {
			this.inbox = new Inbox(collectionInboxStore(this.collection<NotificationRecord>(NotificationModel)), deps.clock);
			this.mailer = config.smtpUrl ? smtpMailer(config.smtpUrl) : outboxMailer(path.join(config.dataDir, "outbox"), deps.clock);
			this.deliveries = this.collection<DeliveryRecord>(DeliveryModel);
			this.queue = new DeliveryQueue(
				{
					store: collectionDeliveryStore(this.deliveries),
					mailer: this.mailer,
					links: { issue: (kind, userId) => this.broker.call<string | null, object>("auth.issueLinkToken", { kind, userId }) },
					clock: deps.clock,
					count: (template, result) => this.countMetric("emails", { template, result }),
					logger: this.logger
				},
				{ appUrl: config.appUrl, mailFrom: config.mailFrom }
			);
		},

		started(this: NotificationsThis) {
			this.queue.start();
		},

		async stopped(this: NotificationsThis) {
			await this.queue.stop();
			this.mailer.close();
		}
	};
	return schema as unknown as ServiceSchema;
}
