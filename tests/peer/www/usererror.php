<?php
echo "before\n";
trigger_error('user fatal', E_USER_ERROR);
echo "never\n";
