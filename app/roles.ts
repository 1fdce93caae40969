/** The roles one ditty process can run (`npm start -- worker web`); none named = all of them. */
export const ROLES = ['worker', 'web', 'discord', 'slack'] as const;
export type Role = (typeof ROLES)[number];
