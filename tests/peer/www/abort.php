<?php
$a = ignore_user_abort();
$b = ignore_user_abort(true);
$c = ignore_user_abort();
var_export([$a, $b, $c, connection_status(), connection_aborted()]);
