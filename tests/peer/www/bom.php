<?php echo "after bom\n";
