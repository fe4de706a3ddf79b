<? echo "short tags are off"; ?>
<?php echo "long tag\n";
