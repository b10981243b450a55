from dlpgate.cli import main

raise SystemExit(main())
