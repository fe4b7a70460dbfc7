<?php
// php -S 127.0.0.1:${PORT} integrations/php/example/hello.php
require __DIR__ . '/../portico.php'; // first: checks the token; a request without it ends here

$info = portico_info() ?? []; // null without Portico
header('Content-Type: text/plain; charset=utf-8');
printf("hello %s from %s\n", $info['user'] ?? 'stranger', $info['client_address'] ?? 'somewhere');
