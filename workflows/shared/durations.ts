/** Pure helpers for workflow time arithmetic (safe inside workflows). */
export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
