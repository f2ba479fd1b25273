/* placeholder: glob */
