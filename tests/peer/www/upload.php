<?php
// $_FILES with tmp_name checked rather than printed (its name is random).
function describe($f) {
    if (is_array($f['tmp_name'])) {
        $out = [];
        foreach (array_keys($f['tmp_name']) as $i) {
            $out[$i] = describe(['name' => $f['name'][$i], 'full_path' => $f['full_path'][$i],
                'type' => $f['type'][$i], 'tmp_name' => $f['tmp_name'][$i],
                'error' => $f['error'][$i], 'size' => $f['size'][$i]]);
        }
        return $out;
    }
    $tmp = $f['tmp_name'];
    $f['tmp_dir'] = $tmp === '' ? '' : dirname($tmp);
    $f['tmp_name'] = $tmp === '' ? '' : preg_replace('/php[A-Za-z0-9]{6}$/', 'phpXXXXXX', $tmp);
    $f['uploaded'] = $tmp !== '' && is_uploaded_file($tmp);
    $f['md5'] = $f['uploaded'] ? md5_file($tmp) : null;
    return $f;
}
$out = [];
foreach ($_FILES as $k => $f) {
    $out[$k] = describe($f);
}
var_export(['files' => $out, 'post' => $_POST]);
