<?php
if (isset($_GET['perm'])) {
    header('Location: https://example.test/moved', true, 301);
} elseif (isset($_GET['created'])) {
    http_response_code(201);
    header('Location: /new/42');
} else {
    header('Location: /elsewhere?x=1');
}
echo "redirecting\n";
