<?php
// Superglobals as PHP parsed them (order matters: it is part of the contract).
var_export(['GET' => $_GET, 'POST' => $_POST, 'COOKIE' => $_COOKIE,
            'REQUEST' => $_REQUEST, 'FILES' => array_keys($_FILES)]);
