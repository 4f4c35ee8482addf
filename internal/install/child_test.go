package install

func childMain() int { return 3 }
