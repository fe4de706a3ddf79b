<?php
$title = 'fpmd example site';
?><!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title><?= htmlspecialchars($title) ?></title></head>
<body>
<h1><?= htmlspecialchars($title) ?></h1>
<p>Served by PHP <?= PHP_VERSION ?> through the <code><?= php_sapi_name() ?></code> SAPI,
worker pid <?= getmypid() ?>, at <?= gmdate('Y-m-d H:i:s') ?> UTC.</p>
<ul>
  <li><a href="/form.php">A form with an upload</a></li>
  <li><a href="/info.php">phpinfo()</a></li>
  <li><a href="/path.php/some/extra/path?x=1">A PATH_INFO URL</a></li>
</ul>
</body>
</html>
