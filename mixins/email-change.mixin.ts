import type { Context, Service, ServiceSchema } from "moleculer";
import type { Collection } from "../lib/collection";
import { emailKey } from "../lib/email";
import { EMAIL_PARAM, PASSWORD_PARAM, TOKEN_PARAM } from "../lib/params";
import { apiError, invalidLink } from "../lib/errors";
import { LINK_TTL_MS, type AppMeta, type EmailRequest, type InAppRequest } from "../lib/types";
import { type LinkKind } from "../lib/enums";
import { type PublicUser } from "../lib/user-schema";
import { EmailChangeModel } from "../models";
import type { AuditMixinMethods } from "./audit.mixin";
import type { DbMixinMethods } from "./db.mixin";

interface EmailChangeRecord {
	_id: string; // the user's id
	newEmail: string;
	/** The session that asked: it survives the change, the others end. */
	sessionId: string | null;
	expiresAt: Date;
}

export interface EmailChangeMixinMethods {
	/** The user's change waiting for confirmation, if any and not expired. */
	pendingEmailChange(userId: string): Promise<EmailChangeRecord | null>;
}

/** What the flow needs of the auth service it is mixed into. */
interface AuthHost {
	passwordMatches(userId: string, password: string): Promise<boolean>;
	consumeOneTimeToken(kind: LinkKind, token: string): Promise<string>;
	endSessions(ctx: Context<unknown>, filter: Record<string, unknown>): Promise<number>;
	sendEmail(ctx: Context<unknown>, email: EmailRequest): Promise<void>;
	notifyInApp(ctx: Context<unknown>, notice: InAppRequest): Promise<void>;
}

type EmailChangeThis = Service &
	DbMixinMethods &
	AuditMixinMethods &
	EmailChangeMixinMethods &
	AuthHost & {
		emailChanges: Collection<EmailChangeRecord>;
	};

type Ctx<P> = Context<P, AppMeta>;

const email = EMAIL_PARAM;
const password = PASSWORD_PARAM;
const token = TOKEN_PARAM;

/**
 * Changing the e-mail address: asked with the password, confirmed from the new address (a one-time link
 * minted when the e-mail is sent), announced to the old one; on confirmation the other sessions end.
 * Mixed into `auth`, whose tokens, sessions and e-mail it uses.
 */
export function emailChangeMixin(): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, EmailChangeMixinMethods, object, EmailChangeThis>> = {
		actions: {
			requestEmailChange: {
				auth: "required",
				summary: "Change the e-mail address: a link goes to the new address, a notice to the old one",
				params: { newEmail: email, password, $$strict: true },
				async handler(this: EmailChangeThis, ctx: Ctx<{ newEmail: string; password: string }>): Promise<null> {
					const { id: userId, sid } = ctx.meta.user!;
					if (!(await this.passwordMatches(userId, ctx.params.password))) {
						await this.audit(ctx, { type: "email.change.request", outcome: "failure", subjectId: userId, details: { reason: "invalid_credentials" } });
						throw apiError("INVALID_CREDENTIALS", "The password is wrong");
					}
					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (!user) throw apiError("NOT_FOUND");
					if (emailKey(user.email) === emailKey(ctx.params.newEmail)) {
						throw apiError("VALIDATION_ERROR", "That is already the account's address", [{ field: "newEmail", type: "unchanged", message: "The new address is the current one" }]);
					}
					if (await ctx.call<PublicUser | null, { email: string }>("users.findByEmail", { email: ctx.params.newEmail })) throw apiError("EMAIL_TAKEN");

					await this.emailChanges.removeById(userId);
					await this.emailChanges.insert({ _id: userId, newEmail: ctx.params.newEmail, sessionId: sid, expiresAt: new Date(Date.now() + LINK_TTL_MS["email-change"]) });
					await this.sendEmail(ctx, { to: ctx.params.newEmail, template: "email-change", data: { displayName: user.displayName }, userId, link: "email-change" });
					await this.sendEmail(ctx, { to: user.email, template: "email-change-notice", data: { displayName: user.displayName, newEmail: ctx.params.newEmail }, userId });
					await this.audit(ctx, { type: "email.change.request", subjectId: userId, details: { newEmail: ctx.params.newEmail } });
					return null;
				}
			},

			confirmEmailChange: {
				summary: "Confirm a new e-mail address with the token from the e-mail; the other sessions end",
				params: { token, $$strict: true },
				async handler(this: EmailChangeThis, ctx: Ctx<{ token: string }>): Promise<PublicUser> {
					const userId = await this.consumeOneTimeToken("email-change", ctx.params.token);
					const change = await this.pendingEmailChange(userId);
					if (!change) throw invalidLink();
					const previous = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					const user = await ctx.call<PublicUser, { id: string; email: string }>("users.setEmail", { id: userId, email: change.newEmail });
					await this.emailChanges.removeById(userId);
					const ended = await this.endSessions(ctx, change.sessionId ? { userId, _id: { $ne: change.sessionId } } : { userId });
					await this.audit(ctx, { type: "email.change", subjectId: userId, actorId: userId, details: { from: previous?.email ?? null, to: user.email, sessions: ended } });
					await this.notifyInApp(ctx, { userId, type: "email-changed", title: "Your e-mail address was changed", body: `It is now ${user.email}; your other sessions were ended.` });
					return user;
				}
			},

		},

		methods: {
			async pendingEmailChange(this: EmailChangeThis, userId: string): Promise<EmailChangeRecord | null> {
				const change = await this.emailChanges.findById(userId);
				return change && new Date(change.expiresAt).getTime() > Date.now() ? change : null;
			}
		},

		created(this: EmailChangeThis) {
			this.emailChanges = this.collection<EmailChangeRecord>(EmailChangeModel);
		}
	};
	return schema as Partial<ServiceSchema>;
}
