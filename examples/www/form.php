<?php
$name = $_POST['name'] ?? '';
$upload = $_FILES['upload'] ?? null;
?><!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Form</title></head>
<body>
<h1>Form with an upload</h1>
<?php if ($_SERVER['REQUEST_METHOD'] === 'POST'): ?>
  <p>Hello, <?= htmlspecialchars($name) ?>.</p>
  <?php if ($upload && $upload['error'] === UPLOAD_ERR_OK): ?>
    <p>Received <?= htmlspecialchars($upload['name']) ?>: <?= $upload['size'] ?> bytes,
    md5 <?= md5_file($upload['tmp_name']) ?>.</p>
  <?php elseif ($upload): ?>
    <p>Upload failed with error code <?= (int)$upload['error'] ?>.</p>
  <?php endif; ?>
<?php endif; ?>
<form method="post" enctype="multipart/form-data">
  <label>Name <input name="name"></label>
  <label>File <input type="file" name="upload"></label>
  <button type="submit">Send</button>
</form>
<p><a href="/">Back</a></p>
</body>
</html>
