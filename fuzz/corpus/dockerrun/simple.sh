docker run -p 8080:80 nginx
