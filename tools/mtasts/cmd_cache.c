/* placeholder: being written in this session; replaced before commit */
