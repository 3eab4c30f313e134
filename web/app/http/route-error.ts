import { isRouteErrorResponse } from '@remix-run/react';

/** The body of every error response a loader or action throws (see route.server.ts). */
export interface TRouteErrorData {
  message: string;
  /** Present for unexpected errors: quote it to support, it is in the server log. */
  requestId?: string;
}

export interface TShownError {
  status: number;
  title: string;
  message: string;
  requestId?: string;
}

const titles: Record<number, string> = {
  400: 'Please check your input',
  401: 'Please sign in',
  404: 'Not found',
  409: 'Already done',
  410: 'This link has expired',
  503: 'Temporarily unavailable',
};

function isErrorData(value: unknown): value is TRouteErrorData {
  return (
    typeof value === 'object' && value !== null && typeof (value as TRouteErrorData).message === 'string'
  );
}

/** What an error boundary shows: a status, a title and a message for people, never a stack trace. */
export function describeRouteError(error: unknown): TShownError {
  if (isRouteErrorResponse(error)) {
    const status = error.status;
    const body: unknown = error.data;
    if (isErrorData(body)) {
      return {
        status,
        title: titles[status] ?? 'Something went wrong',
        message: body.message,
        requestId: body.requestId,
      };
    }
    if (status === 404) {
      return {
        status,
        title: titles[404] ?? 'Not found',
        message: 'We could not find this page. Check the address, or go back.',
      };
    }
    return { status, title: titles[status] ?? 'Something went wrong', message: 'Please try again.' };
  }
  return {
    status: 500,
    title: 'Something went wrong',
    message:
      'Something went wrong on our side. Please try again; if it keeps happening, tell us what you were doing.',
  };
}
