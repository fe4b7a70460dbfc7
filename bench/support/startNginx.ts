export { startNginx, type Nginx } from '@portico/test-support';

/**
 * nginx set up as the benches compare Portico with: a reverse proxy to the backend on
 * `backendPort` with upstream keep-alive (as Portico's pool does), setting the headers Portico sets.
 * Neither side's connections end after a number of requests, as neither of Portico's does: with
 * nginx's default (`keepalive_requests 1000`) each client and backend connection is closed every
 * 1000 requests, which costs nginx reconnections in the latency figures and breaks the paced
 * generator's connections (it does not reconnect, and counts what they had due as failed).
 */
export function proxyPassTo(backendPort: number): (port: number) => string {
  return (port) => `  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 10000000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Portico-Token t;
    }
  }`;
}
