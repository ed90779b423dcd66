// Express 5 with one route and the settings the service uses (no ETag, no X-Powered-By).
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/health/live', (req, res) => res.json({ status: 'ok' }));
app.listen(Number(process.env.PORT), '127.0.0.1');
