/** Where the second factor is asked for, and where a staff member without one sets it up. */
export const mfaStepPath = '/login/mfa';
export const mfaEnrolPath = '/mfa/enrol';
