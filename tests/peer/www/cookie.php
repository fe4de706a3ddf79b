<?php
setcookie('plain', 'value with spaces;and=semicolon');
setcookie('opts', 'x', ['expires' => 1, 'path' => '/p', 'domain' => 'example.test',
                        'secure' => true, 'httponly' => true, 'samesite' => 'Strict']);
setrawcookie('raw', 'a%20b');
setcookie('gone', '', 1);
var_export($_COOKIE);
