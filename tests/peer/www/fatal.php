<?php
echo isset($_GET['out']) ? "some output first\n" : '';
if (isset($_GET['out'])) {
    flush();
}
no_such_function_anywhere();
echo "never\n";
