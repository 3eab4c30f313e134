import { Outlet } from '@remix-run/react';

/** The client portal's frame: one column, large tap targets, nothing of the staff app. */
export default function PortalLayout() {
  return (
    <div className="portal">
      <header className="portal-header">
        <span className="brand-mark" aria-hidden="true">
          CPA
        </span>
        <span className="portal-title">Client portal</span>
      </header>
      <main id="main" className="portal-main">
        <Outlet />
      </main>
      <footer className="portal-footer">Your details are sent securely to your accounting firm.</footer>
    </div>
  );
}
