<?php
// Where a request runs: the script's directory during the script, the worker's own again
// in shutdown functions (PHP changes back before they run), whatever the script did.
function where() {
    $cwd = getcwd();
    return $cwd === __DIR__ ? 'script dir' : ($cwd === '/tmp' ? '/tmp' : 'elsewhere');
}
register_shutdown_function(function () { echo 'shutdown: ', where(), "\n"; });
echo 'script: ', where(), "\n";
echo 'relative: ', file_exists('cwd.php') ? 'found' : 'missing', "\n";
if (isset($_GET['chdir'])) {
    chdir('/tmp');
    echo 'after chdir: ', where(), "\n";
}
if (isset($_GET['fatal'])) {
    undefined_function();
}
