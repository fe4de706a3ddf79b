<?php
usleep(50000);
echo "slept 50 ms\n";
