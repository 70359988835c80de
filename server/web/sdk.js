/* replaced by the miniprogram-sdk browser bundle */
