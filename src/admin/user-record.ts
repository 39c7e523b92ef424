/** Panel users, their roles and sessions (the store keeps them: src/store/admin-users-repo.ts). */
export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface AdminUser {
  id: number;
  username: string;
  role: Role;
  locale?: string;
  createdAt: number;
}

export interface AdminSession {
  user: AdminUser;
  csrf: string;
  expiresAt: number;
}
