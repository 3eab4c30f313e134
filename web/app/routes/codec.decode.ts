import type { ActionFunctionArgs } from '@remix-run/node';
import { codecAction, codecLoader } from '../temporal/codec-endpoint.server';

/** The Temporal UI's remote codec: decrypts payloads for owners and admins (see codec-endpoint.server.ts). */
export function action(args: ActionFunctionArgs) {
  return codecAction(args, 'decode');
}

export function loader() {
  return codecLoader();
}
