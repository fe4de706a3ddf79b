<?php
// fastcgi_finish_request(): the response ends, the script goes on (and its later output
// is dropped); proof of the later work is the marker file written afterwards.
ignore_user_abort(true);
echo "sent before finish\n";
$r1 = fastcgi_finish_request();
$r2 = fastcgi_finish_request();
echo "after finish (dropped)\n";
error_log('logged after finish');
// Written beside the marker and renamed: the test takes the marker's appearance for a
// finished write.
file_put_contents($_GET['marker'] . '.part', var_export([$r1, $r2, connection_status()], true));
rename($_GET['marker'] . '.part', $_GET['marker']);
