<?php
// The example of integrations/php/README.md: it answers with what Portico said about the request.
require __DIR__ . '/../portico.php';

if ($_SERVER['REQUEST_URI'] === '/crash') posix_kill(getmypid(), SIGKILL); // the server is this process
$info = portico_info();
if ($info !== null && $info['client_certificate'] !== null) $info['client_certificate'] = base64_encode($info['client_certificate']);
header('Content-Type: application/json');
echo json_encode(['pid' => getmypid(), 'path' => $_SERVER['REQUEST_URI'], 'applPath' => getenv('PORTICO_APPL_PATH'),
    'sawToken' => isset($_SERVER['HTTP_X_PORTICO_TOKEN']), 'portico' => $info]);
