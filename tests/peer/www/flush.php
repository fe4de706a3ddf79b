<?php
// Streaming: "A" must reach the client before the script ends. The client creates the
// go file when it has seen "A"; a server that buffers makes this script time out.
echo "A\n";
flush();
$seen = false;
for ($i = 0; $i < 500; $i++) {
    if (file_exists($_GET['go'])) {
        $seen = true;
        break;
    }
    usleep(10000);
}
echo "B seen=", $seen ? 'yes' : 'no', "\n";
