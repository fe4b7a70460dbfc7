<?php
// Portico's backend contract for PHP, with the standard library only. Require it first thing in
// every script, or run PHP's built-in server with router.php beside this file as its router:
//
//   php -S 127.0.0.1:${PORT} -t public /path/to/integrations/php/router.php
//
// Under Portico (PORTICO_TOKEN set) a request without the right x-portico-token is answered 400
// and logged to stderr, and the script stops there; a request with it goes on, without the token
// in $_SERVER, and portico_info() returns what Portico said about it. Without Portico the check
// is off and portico_info() returns null.
declare(strict_types=1);

if (!function_exists('portico_info')) {
    /** What Portico said about this request, or null when it did not pass the check. */
    function portico_info(): ?array
    {
        return $GLOBALS['__portico_info'] ?? null;
    }

    /** The right-most entry of a list header: the one Portico wrote. */
    function portico_last(?string $value): ?string
    {
        if ($value === null || $value === '') return null;
        $parts = explode(',', $value);
        $entry = trim(end($parts));
        return $entry === '' ? null : $entry;
    }

    function portico_check_request(): void
    {
        $token = getenv('PORTICO_TOKEN');
        if ($token === false) return; // Not under Portico: forwarded headers are not read.
        if ($token === '') {
            // An empty token would make an empty header valid: refuse rather than fail open.
            portico_reject('PORTICO_TOKEN is set but empty', 500);
        }
        $presented = $_SERVER['HTTP_X_PORTICO_TOKEN'] ?? null;
        // Fixed-length digests keep hash_equals constant-time and hide the token's length.
        if ($presented === null) {
            portico_reject('the x-portico-token header is missing');
        } elseif (str_contains($presented, ',')) {
            portico_reject('the x-portico-token header is sent more than once');
        } elseif (!hash_equals(hash('sha256', $token, true), hash('sha256', $presented, true))) {
            portico_reject("the x-portico-token header does not match this process's pairing token");
        }
        // The token must not reach the app, its logs or anything it forwards.
        unset($_SERVER['HTTP_X_PORTICO_TOKEN']);

        $address = portico_last($_SERVER['HTTP_X_FORWARDED_FOR'] ?? null);
        if ($address !== null && preg_match('/^(?:\[([^\]]+)\](?::\d+)?|(\d{1,3}(?:\.\d{1,3}){3}):\d+)$/', $address, $m)) {
            $address = ($m[1] ?? '') . ($m[2] ?? '');
        }
        $port = portico_last($_SERVER['HTTP_X_FORWARDED_PORT'] ?? null);
        $claims = json_decode($_SERVER['HTTP_X_PORTICO_CLAIMS'] ?? 'null', true);
        $certificate = base64_decode($_SERVER['HTTP_X_PORTICO_CLIENT_CERT'] ?? '', true);
        $proto = portico_last($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? null);
        $GLOBALS['__portico_info'] = [
            'client_address' => $address,
            'protocol' => $proto === null ? null : strtolower($proto),
            'host' => portico_last($_SERVER['HTTP_X_FORWARDED_HOST'] ?? null),
            'prefix' => portico_last($_SERVER['HTTP_X_FORWARDED_PREFIX'] ?? null),
            'port' => $port !== null && preg_match('/^\d{1,5}$/', $port) && (int) $port <= 65535 ? (int) $port : null,
            'request_id' => ($_SERVER['HTTP_X_REQUEST_ID'] ?? '') ?: null,
            'user' => ($_SERVER['HTTP_X_PORTICO_USER'] ?? '') ?: null,
            'auth_scheme' => ($_SERVER['HTTP_X_PORTICO_AUTH'] ?? '') ?: null,
            'claims' => is_array($claims) && !array_is_list($claims) ? $claims : null,
            'client_certificate' => $certificate === false || $certificate === '' ? null : $certificate,
        ];
    }

    function portico_reject(string $why, int $status = 400): never
    {
        $path = substr(preg_replace('/[^\x21-\x7e]/', '?', explode('?', $_SERVER['REQUEST_URI'] ?? '', 2)[0]), 0, 200);
        $from = ($_SERVER['REMOTE_ADDR'] ?? '') ?: 'a local socket';
        $method = $_SERVER['REQUEST_METHOD'] ?? '?';
        file_put_contents('php://stderr', "portico.integration.token_rejected: $status for $method $path from $from: $why\n");
        http_response_code($status);
        header('Content-Type: text/plain; charset=utf-8');
        header('Connection: close');
        echo "Bad Request: missing or wrong x-portico-token\n";
        exit(0);
    }

    portico_check_request();
}
