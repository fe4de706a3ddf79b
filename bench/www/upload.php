<?php
// Takes a raw request body (the 10 MB upload) and says how long it was.
$body = file_get_contents('php://input');
echo strlen($body), "\n";
