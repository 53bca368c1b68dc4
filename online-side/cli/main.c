#include <stdio.h>
int main(void) { puts("ferry-online: under construction"); return 0; }
