<?php
// About 1 ms of ordinary PHP work: build arrays, sort them, encode ~10 KB of JSON.
$rows = [];
for ($i = 0; $i < 500; $i++) {
    $rows[] = ['id' => $i, 'name' => 'item' . (($i * 7919) % 1000), 'score' => ($i * 37) % 101];
}
usort($rows, fn($a, $b) => $b['score'] <=> $a['score'] ?: strcmp($a['name'], $b['name']));
$words = [];
for ($i = 0; $i < 1000; $i++) {
    $words[] = md5((string) $i);
}
sort($words);
$counts = array_count_values(array_map(fn($w) => $w[0], $words));
ksort($counts);
header('Content-Type: application/json');
echo json_encode(['top' => array_slice($rows, 0, 150), 'counts' => $counts,
                  'words' => array_slice($words, 0, 100)]);
