<?php
// Router for PHP's built-in server: checks the pairing token on every request, static files
// included, then lets the server serve the file or run the script that was asked for.
//   php -S 127.0.0.1:${PORT} -t public /path/to/integrations/php/router.php
require __DIR__ . '/portico.php';
return false;
