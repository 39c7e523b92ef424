/** The callback format's name and events, apart from its code (the server names it at start, loads it on first use). */
export const CALLBACK_FORMAT = 'wechatbot-webhook';

/** The event types the original posted (with ACCEPT_RECVD_MSG_MYSELF, own messages come as message.received with isSelf). */
export const CALLBACK_EVENT_TYPES = ['message.received', 'friend.request', 'account.login', 'account.logout', 'account.error'] as const;

/** An answer other than 2xx is not tried again (the original posted once). */
export const CALLBACK_RETRY_ANSWERED = false;
