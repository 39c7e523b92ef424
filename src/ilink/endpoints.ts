/** iLink's public hosts: a file of their own so that config can name them without loading the transport. */
export const ILINK_DEFAULT_BASE_URL = 'https://ilinkai.weixin.qq.com';
export const ILINK_DEFAULT_CDN_URL = 'https://novac2c.cdn.weixin.qq.com/c2c';
