<?php
error_log('plain message');
error_log("multi\nline message");
error_log(str_repeat('L', 3000));
echo "logged\n";
