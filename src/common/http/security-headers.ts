import helmet from 'helmet';

/**
 * Security headers on every response, API and docs alike. The Content-Security-Policy is the one
 * the Swagger UI at /docs works under: its scripts are files of this origin (no inline script), but
 * its page carries inline `<style>` blocks and React sets `style` attributes, hence
 * `'unsafe-inline'` for styles only. No `upgrade-insecure-requests`: the service is reached over
 * plain HTTP locally, and upgrading the docs' own requests to HTTPS would break "Try it out".
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", "'unsafe-inline'"],
    },
  },
  // Older browsers ignore frame-ancestors; X-Frame-Options says the same to them.
  frameguard: { action: 'deny' },
});
