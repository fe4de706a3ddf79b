<?php
// php://input twice (it must be re-readable) and a JSON round trip.
$a = file_get_contents('php://input');
$b = file_get_contents('php://input');
header('Content-Type: application/json');
$data = json_decode($a, true);
echo json_encode(['same' => $a === $b, 'len' => strlen($a), 'md5' => md5($a),
                  'decoded' => $data, 'error' => json_last_error_msg(), 'post' => $_POST]);
