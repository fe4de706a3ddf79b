<?php
// Notices, warnings and deprecations go to FastCGI stderr (display_errors is off).
echo "before\n";
echo $undefined_variable;
$a = [];
echo $a['missing'];
trigger_error('a user notice', E_USER_NOTICE);
trigger_error('a user warning', E_USER_WARNING);
trigger_error('a user deprecation', E_USER_DEPRECATED);
echo strlen(null);
echo "after\n";
