<?php
register_shutdown_function(function () {
    echo "shutdown 1\n";
    register_shutdown_function(function () { echo "nested shutdown\n"; });
});
register_shutdown_function(fn() => print("shutdown 2\n"));
class D { function __destruct() { echo "destructor\n"; } }
$d = new D();
echo "body\n";
