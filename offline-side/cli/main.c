#include <stdio.h>
int main(void) { puts("ferry-offline: under construction"); return 0; }
