<?php
// Request line facts and the raw body, for every HTTP method.
header('X-Method: ' . $_SERVER['REQUEST_METHOD']);
$in = file_get_contents('php://input');
echo $_SERVER['REQUEST_METHOD'], ' ', strlen($in), ' ', md5($in), "\n";
var_export(['get' => $_GET, 'post' => $_POST, 'len' => $_SERVER['CONTENT_LENGTH'] ?? null,
            'type' => $_SERVER['CONTENT_TYPE'] ?? null]);
