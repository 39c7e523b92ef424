/** Cookie names of the panel, in one place. */
export const SESSION_COOKIE_NAME = 'wr_session';
export const PRE_CSRF_COOKIE_NAME = 'wr_csrf';
