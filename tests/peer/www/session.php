<?php
// Session start, id shape and the headers it sends (the id itself is random).
$before = session_status();
session_start();
$fresh = !isset($_SESSION['seen']);
$_SESSION['seen'] = true;
$_SESSION['data'] = ['a' => 1, 'b' => 'two'];
var_export(['before' => $before, 'after' => session_status(), 'name' => session_name(),
            'id_len' => strlen(session_id()), 'fresh' => $fresh,
            'from_cookie' => isset($_COOKIE[session_name()])]);
